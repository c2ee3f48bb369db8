using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FeatureAtlas.Data.Configurations;

public sealed class CorpusWindowConfiguration : IEntityTypeConfiguration<CorpusWindowEntity>
{
    public void Configure(EntityTypeBuilder<CorpusWindowEntity> builder)
    {
        builder.ToTable("corpus_windows");
        builder.HasKey(w => new { w.CorpusId, w.WindowIndex });
        builder.HasOne<CorpusEntity>().WithMany().HasForeignKey(w => w.CorpusId).OnDelete(DeleteBehavior.Cascade);
    }
}
