using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class JobShardConfiguration : IEntityTypeConfiguration<JobShardEntity>
{
    public void Configure(EntityTypeBuilder<JobShardEntity> builder)
    {
        builder.ToTable("job_shards");
        builder.HasKey(s => new { s.JobId, s.Shard });
        builder.Property(s => s.Worker).HasMaxLength(256);
        builder.HasOne<JobEntity>().WithMany().HasForeignKey(s => s.JobId).OnDelete(DeleteBehavior.Cascade);
    }
}
