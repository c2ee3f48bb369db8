using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class CorpusConfiguration : IEntityTypeConfiguration<CorpusEntity>
{
    public void Configure(EntityTypeBuilder<CorpusEntity> builder)
    {
        builder.ToTable("corpora");
        builder.HasKey(c => c.Id);
        builder.HasIndex(c => c.Name).IsUnique();
    }
}
