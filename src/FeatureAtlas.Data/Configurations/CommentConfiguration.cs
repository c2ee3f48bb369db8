using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class CommentConfiguration : IEntityTypeConfiguration<CommentEntity>
{
    public void Configure(EntityTypeBuilder<CommentEntity> builder)
    {
        builder.ToTable("comments");
        builder.HasKey(c => c.Id);
        builder.HasIndex(c => new { c.SaeId, c.FeatureIndex });
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<SaeEntity>().WithMany().HasForeignKey(c => c.SaeId).OnDelete(DeleteBehavior.Cascade);
    }
}
