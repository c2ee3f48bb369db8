using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class ExplanationVoteConfiguration : IEntityTypeConfiguration<ExplanationVoteEntity>
{
    public void Configure(EntityTypeBuilder<ExplanationVoteEntity> builder)
    {
        builder.ToTable("explanation_votes");
        builder.HasKey(v => new { v.ExplanationId, v.UserId });
        builder.HasOne<ExplanationEntity>().WithMany().HasForeignKey(v => v.ExplanationId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
