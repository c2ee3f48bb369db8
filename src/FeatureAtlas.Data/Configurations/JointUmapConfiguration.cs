using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class JointUmapConfiguration : IEntityTypeConfiguration<JointUmapEntity>
{
    public void Configure(EntityTypeBuilder<JointUmapEntity> builder)
    {
        builder.ToTable("joint_umaps");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Name).HasMaxLength(Core.Storage.JointUmapName.MaxLength);
        builder.HasIndex(m => new { m.ModelId, m.Name }).IsUnique();
        builder.HasOne<ModelEntity>().WithMany().HasForeignKey(m => m.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
