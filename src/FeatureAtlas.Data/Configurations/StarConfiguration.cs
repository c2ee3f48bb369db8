using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class StarConfiguration : IEntityTypeConfiguration<StarEntity>
{
    public void Configure(EntityTypeBuilder<StarEntity> builder)
    {
        builder.ToTable("stars");
        builder.HasKey(s => new { s.UserId, s.SaeId, s.FeatureIndex });
        // Star counts per feature.
        builder.HasIndex(s => new { s.SaeId, s.FeatureIndex });
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SaeEntity>().WithMany().HasForeignKey(s => s.SaeId).OnDelete(DeleteBehavior.Cascade);
    }
}
