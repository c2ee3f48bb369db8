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
        // Not unique: as on Neuronpedia, a script run twice makes a second list of the same name (lists are addressed by slug).
        builder.HasIndex(l => new { l.OwnerId, l.Name });
        builder.HasIndex(l => l.Slug).IsUnique();
        builder.Property(l => l.Slug).HasMaxLength(16);
        builder.Property(l => l.Name).HasMaxLength(200);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(l => l.OwnerId).OnDelete(DeleteBehavior.Cascade);
    }
}
