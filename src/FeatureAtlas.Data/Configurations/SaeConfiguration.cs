using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class SaeConfiguration : IEntityTypeConfiguration<SaeEntity>
{
    public void Configure(EntityTypeBuilder<SaeEntity> builder)
    {
        builder.ToTable("saes");
        builder.HasKey(s => s.Id);
        builder.HasIndex(s => new { s.ModelId, s.Name }).IsUnique();
        builder.Property(s => s.SetName).HasMaxLength(SourceSetEntity.MaxName);
        builder.HasOne<ModelEntity>().WithMany().HasForeignKey(s => s.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
