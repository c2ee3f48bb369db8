using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class SteerVectorConfiguration : IEntityTypeConfiguration<SteerVectorEntity>
{
    public void Configure(EntityTypeBuilder<SteerVectorEntity> builder)
    {
        builder.ToTable("steer_vectors");
        builder.HasKey(v => v.Id);
        builder.HasIndex(v => v.UserId);
        builder.HasOne<UserEntity>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
