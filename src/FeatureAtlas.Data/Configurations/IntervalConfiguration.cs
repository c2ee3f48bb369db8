using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class IntervalConfiguration : IEntityTypeConfiguration<IntervalEntity>
{
    public void Configure(EntityTypeBuilder<IntervalEntity> builder)
    {
        builder.ToTable("intervals");
        builder.HasKey(i => new { i.SaeId, i.FeatureIndex, i.Interval });
        builder.HasOne<FeatureEntity>().WithMany().HasForeignKey(i => new { i.SaeId, i.FeatureIndex }).OnDelete(DeleteBehavior.Cascade);
    }
}
