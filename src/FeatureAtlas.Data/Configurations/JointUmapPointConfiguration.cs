using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class JointUmapPointConfiguration : IEntityTypeConfiguration<JointUmapPointEntity>
{
    public void Configure(EntityTypeBuilder<JointUmapPointEntity> builder)
    {
        builder.ToTable("joint_umap_points");
        // The key is the lookup: a map's points SAE by SAE, each in index order.
        builder.HasKey(p => new { p.MapId, p.SaeId, p.FeatureIndex });
        // A point belongs to one of its map's SAEs; removing the SAE from the map (or the map) removes its points.
        builder.HasOne<JointUmapSaeEntity>().WithMany().HasForeignKey(p => new { p.MapId, p.SaeId }).OnDelete(DeleteBehavior.Cascade);
    }
}
