using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class SourceSetConfiguration : IEntityTypeConfiguration<SourceSetEntity>
{
    public void Configure(EntityTypeBuilder<SourceSetEntity> builder)
    {
        builder.ToTable("source_sets");
        builder.HasKey(s => s.Id);
        builder.HasIndex(s => new { s.ModelId, s.Name }).IsUnique();
        builder.Property(s => s.Name).HasMaxLength(SourceSetEntity.MaxName);
        builder.Property(s => s.Description).HasMaxLength(SourceSetEntity.MaxDescription);
        builder.Property(s => s.Url).HasMaxLength(SourceSetEntity.MaxUrl);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(s => s.CreatorId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<ModelEntity>().WithMany().HasForeignKey(s => s.ModelId).OnDelete(DeleteBehavior.Cascade);
    }
}
