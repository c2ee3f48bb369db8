using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class SteerRunConfiguration : IEntityTypeConfiguration<SteerRunEntity>
{
    public void Configure(EntityTypeBuilder<SteerRunEntity> builder)
    {
        builder.ToTable("steer_runs");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).HasMaxLength(32);
        builder.Property(r => r.Hash).HasMaxLength(64);
        builder.HasIndex(r => r.Hash).IsUnique();
        builder.HasIndex(r => r.UserId);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(r => r.UserId).OnDelete(DeleteBehavior.SetNull);
    }
}
