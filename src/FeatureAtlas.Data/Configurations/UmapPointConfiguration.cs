using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class UmapPointConfiguration : IEntityTypeConfiguration<UmapPointEntity>
{
    public void Configure(EntityTypeBuilder<UmapPointEntity> builder)
    {
        builder.ToTable("umap_points");
        // The key is the lookup: all points of an SAE in index order.
        builder.HasKey(p => new { p.SaeId, p.FeatureIndex });
        builder.HasOne<SaeEntity>().WithMany().HasForeignKey(p => p.SaeId).OnDelete(DeleteBehavior.Cascade);
    }
}
