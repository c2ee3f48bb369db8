using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class FeatureListConfiguration : IEntityTypeConfiguration<FeatureListEntity>
{
    public void Configure(EntityTypeBuilder<FeatureListEntity> builder)
    {
        builder.ToTable("lists");
        builder.HasKey(l => l.Id);
        builder.HasIndex(l => new { l.OwnerId, l.Name }).IsUnique();
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(l => l.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}
