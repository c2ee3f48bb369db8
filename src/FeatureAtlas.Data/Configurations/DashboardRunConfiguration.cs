using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class DashboardRunConfiguration : IEntityTypeConfiguration<DashboardRunEntity>
{
    public void Configure(EntityTypeBuilder<DashboardRunEntity> builder)
    {
        builder.ToTable("dashboard_runs");
        builder.HasKey(r => r.SaeId);
        builder.HasOne<SaeEntity>().WithOne().HasForeignKey<DashboardRunEntity>(r => r.SaeId).OnDelete(DeleteBehavior.Cascade);
        // A corpus that dashboards point into cannot be deleted: their window indexes would dangle.
        builder.HasOne<CorpusEntity>().WithMany().HasForeignKey(r => r.CorpusId).OnDelete(DeleteBehavior.Restrict);
    }
}
