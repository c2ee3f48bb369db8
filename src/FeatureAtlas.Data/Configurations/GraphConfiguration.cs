using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class GraphConfiguration : IEntityTypeConfiguration<GraphEntity>
{
    public void Configure(EntityTypeBuilder<GraphEntity> builder)
    {
        builder.ToTable("graphs");
        builder.HasKey(g => g.Id);
        builder.Property(g => g.Slug).HasMaxLength(100);
        builder.HasIndex(g => new { g.ModelId, g.Slug }).IsUnique();
        builder.HasIndex(g => g.UserId);
        builder.HasOne<ModelEntity>().WithMany().HasForeignKey(g => g.ModelId).OnDelete(DeleteBehavior.Cascade);
        // A deleted account's graphs stay, ownerless, as its comments' explanations do.
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.SetNull);
    }
}
