using System.Linq.Expressions;
using FeatureAtlas.Data.Entities;
using FeatureAtlas.Data.Social;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

public sealed partial class AtlasStore
{
    /// <summary>
    /// The best explanation (most votes, then newest) of each of the given features that has one, in one query per
    /// SAE, for pages that show many features from anywhere (a list). Unknown models or SAEs raise
    /// <see cref="KeyNotFoundException"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<FeatureKey, string>> BestExplanationsAsync(IReadOnlyCollection<FeatureKey> features, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(features);
        var best = new Dictionary<FeatureKey, string>();
        await using var db = _database.CreateContext();
        foreach (var group in features.GroupBy(f => (f.Model, f.Sae)))
        {
            var (saeId, _) = await SaeRowAsync(db, group.Key.Model, group.Key.Sae, cancellationToken);
            var indexes = group.Select(f => f.Index).Distinct().ToArray();
            foreach (var (index, text) in await BestExplanationsAsync(db, saeId, e => indexes.Contains(e.FeatureIndex), cancellationToken))
            {
                best[new FeatureKey(group.Key.Model, group.Key.Sae, index)] = text;
            }
        }
        return best;
    }

    /// <summary>The highest-voted, then newest explanation of each feature of one SAE that <paramref name="features"/> selects.</summary>
    private static async Task<Dictionary<int, string>> BestExplanationsAsync(AtlasDbContext db, int saeId, Expression<Func<ExplanationEntity, bool>> features, CancellationToken cancellationToken)
    {
        var rows = await (from e in db.Explanations.AsNoTracking().Where(e => e.SaeId == saeId).Where(features)
                          select new
                          {
                              e.FeatureIndex,
                              e.Text,
                              e.CreatedAt,
                              Votes = db.ExplanationVotes.Where(v => v.ExplanationId == e.Id).Sum(v => (int?)v.Points) ?? 0,
                          }).ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.FeatureIndex)
            .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Votes).ThenByDescending(r => r.CreatedAt).First().Text);
    }
}
