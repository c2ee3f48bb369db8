using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class ListCommentConfiguration : IEntityTypeConfiguration<ListCommentEntity>
{
    public void Configure(EntityTypeBuilder<ListCommentEntity> builder)
    {
        builder.ToTable("list_comments");
        builder.HasKey(c => c.Id);
        builder.HasIndex(c => c.ListId);
        builder.HasOne<FeatureListEntity>().WithMany().HasForeignKey(c => c.ListId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
