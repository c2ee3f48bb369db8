using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class FeatureListItemConfiguration : IEntityTypeConfiguration<FeatureListItemEntity>
{
    public void Configure(EntityTypeBuilder<FeatureListItemEntity> builder)
    {
        builder.ToTable("list_items");
        builder.HasKey(i => new { i.ListId, i.SaeId, i.FeatureIndex });
        builder.HasOne<FeatureListEntity>().WithMany().HasForeignKey(i => i.ListId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SaeEntity>().WithMany().HasForeignKey(i => i.SaeId).OnDelete(DeleteBehavior.Cascade);
    }
}
