using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class ActivationExampleConfiguration : IEntityTypeConfiguration<ActivationExampleEntity>
{
    public void Configure(EntityTypeBuilder<ActivationExampleEntity> builder)
    {
        builder.ToTable("activation_examples");
        // (SAE, feature index) leads the key, so a feature's examples are one index range scan, in group order.
        builder.HasKey(e => new { e.SaeId, e.FeatureIndex, e.Group, e.Rank });
        builder.HasOne<FeatureEntity>().WithMany().HasForeignKey(e => new { e.SaeId, e.FeatureIndex }).OnDelete(DeleteBehavior.Cascade);
    }
}
