using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class FeatureConfiguration : IEntityTypeConfiguration<FeatureEntity>
{
    public void Configure(EntityTypeBuilder<FeatureEntity> builder)
    {
        builder.ToTable("features");
        // The key is the lookup: a feature by (SAE, index), or a range of indexes.
        builder.HasKey(f => new { f.SaeId, f.FeatureIndex });
        builder.HasOne<SaeEntity>().WithMany().HasForeignKey(f => f.SaeId).OnDelete(DeleteBehavior.Cascade);
    }
}
