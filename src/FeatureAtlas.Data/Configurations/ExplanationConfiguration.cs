using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class ExplanationConfiguration : IEntityTypeConfiguration<ExplanationEntity>
{
    public void Configure(EntityTypeBuilder<ExplanationEntity> builder)
    {
        builder.ToTable("explanations");
        builder.HasKey(e => e.Id);
        builder.HasIndex(e => new { e.SaeId, e.FeatureIndex });
        builder.HasOne<SaeEntity>().WithMany().HasForeignKey(e => e.SaeId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(e => e.AuthorId).OnDelete(DeleteBehavior.SetNull);
    }
}
