using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class JobConfiguration : IEntityTypeConfiguration<JobEntity>
{
    public void Configure(EntityTypeBuilder<JobEntity> builder)
    {
        builder.ToTable("jobs");
        builder.HasKey(j => j.Id);
        builder.Property(j => j.Kind).HasMaxLength(32);
        builder.Property(j => j.State).HasMaxLength(16);
        builder.Property(j => j.Title).HasMaxLength(256);
        builder.Property(j => j.Stage).HasMaxLength(64);
        builder.Property(j => j.Worker).HasMaxLength(256);
        builder.Property(j => j.Subject).HasMaxLength(256);
        builder.HasIndex(j => j.State);
        builder.HasIndex(j => j.Subject);
        builder.HasIndex(j => j.UserId);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(j => j.UserId).OnDelete(DeleteBehavior.SetNull);
    }
}
