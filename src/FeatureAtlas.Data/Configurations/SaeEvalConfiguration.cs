using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class SaeEvalConfiguration : IEntityTypeConfiguration<SaeEvalEntity>
{
    public void Configure(EntityTypeBuilder<SaeEvalEntity> builder)
    {
        builder.ToTable("sae_evals");
        builder.HasKey(e => e.SaeId);
        builder.HasOne<SaeEntity>().WithOne().HasForeignKey<SaeEvalEntity>(e => e.SaeId).OnDelete(DeleteBehavior.Cascade);
    }
}
