using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class JointUmapSaeConfiguration : IEntityTypeConfiguration<JointUmapSaeEntity>
{
    public void Configure(EntityTypeBuilder<JointUmapSaeEntity> builder)
    {
        builder.ToTable("joint_umap_saes");
        builder.HasKey(s => new { s.MapId, s.SaeId });
        builder.HasIndex(s => new { s.MapId, s.Position }).IsUnique();
        builder.HasOne<JointUmapEntity>().WithMany().HasForeignKey(s => s.MapId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SaeEntity>().WithMany().HasForeignKey(s => s.SaeId).OnDelete(DeleteBehavior.Cascade);
    }
}
