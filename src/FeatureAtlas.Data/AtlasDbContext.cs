using System.Text;
using FeatureAtlas.Data.Entities;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data;

/// <summary>
/// The FeatureAtlas schema, shared by both providers. Each provider has a thin derived context
/// (<see cref="SqliteAtlasDbContext"/>, <see cref="PostgresAtlasDbContext"/>) that owns its migrations; open one
/// with <see cref="AtlasDatabase"/>. Tables and columns are snake_case so raw SQL reads the same on both.
/// </summary>
public abstract class AtlasDbContext : IdentityUserContext<UserEntity, int>
{
    protected AtlasDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<ModelEntity> Models => Set<ModelEntity>();

    public DbSet<SaeEntity> Saes => Set<SaeEntity>();

    public DbSet<CorpusEntity> Corpora => Set<CorpusEntity>();

    public DbSet<CorpusWindowEntity> CorpusWindows => Set<CorpusWindowEntity>();

    public DbSet<DashboardRunEntity> DashboardRuns => Set<DashboardRunEntity>();

    public DbSet<FeatureEntity> Features => Set<FeatureEntity>();

    public DbSet<ApiKeyEntity> ApiKeys => Set<ApiKeyEntity>();

    public DbSet<ExplanationEntity> Explanations => Set<ExplanationEntity>();

    public DbSet<ExplanationVoteEntity> ExplanationVotes => Set<ExplanationVoteEntity>();

    public DbSet<FeatureListEntity> Lists => Set<FeatureListEntity>();

    public DbSet<FeatureListItemEntity> ListItems => Set<FeatureListItemEntity>();

    public DbSet<StarEntity> Stars => Set<StarEntity>();

    public DbSet<CommentEntity> Comments => Set<CommentEntity>();

    public DbSet<UmapPointEntity> UmapPoints => Set<UmapPointEntity>();

    public DbSet<JointUmapEntity> JointUmaps => Set<JointUmapEntity>();

    public DbSet<JointUmapSaeEntity> JointUmapSaes => Set<JointUmapSaeEntity>();

    public DbSet<JointUmapPointEntity> JointUmapPoints => Set<JointUmapPointEntity>();

    public DbSet<SaeEvalEntity> SaeEvals => Set<SaeEvalEntity>();

    public DbSet<SteerRunEntity> SteerRuns => Set<SteerRunEntity>();

    public DbSet<SteerVectorEntity> SteerVectors => Set<SteerVectorEntity>();
    public DbSet<SourceSetEntity> SourceSets => Set<SourceSetEntity>();

    public DbSet<ListCommentEntity> ListComments => Set<ListCommentEntity>();

    public DbSet<JobEntity> Jobs => Set<JobEntity>();

    public DbSet<JobShardEntity> JobShards => Set<JobShardEntity>();

    public DbSet<GraphEntity> Graphs => Set<GraphEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<Microsoft.AspNetCore.Identity.IdentityUserClaim<int>>().ToTable("user_claims");
        modelBuilder.Entity<Microsoft.AspNetCore.Identity.IdentityUserLogin<int>>().ToTable("user_logins");
        modelBuilder.Entity<Microsoft.AspNetCore.Identity.IdentityUserToken<int>>().ToTable("user_tokens");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AtlasDbContext).Assembly);
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties()) property.SetColumnName(SnakeCase(property.Name));
        }
    }

    /// <summary>FeatureIndex → feature_index, DSae → d_sae, CfgJson → cfg_json.</summary>
    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (!char.IsUpper(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
