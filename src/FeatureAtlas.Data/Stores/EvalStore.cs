using System.Text.Json;
using FeatureAtlas.Core.Evals;
using FeatureAtlas.Core.Storage;
using FeatureAtlas.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>The latest evaluation of each SAE, SAEBench's core metrics with it.</summary>
public sealed class EvalStore(AtlasDatabase database) : Store(database), ISaeEvalStore
{
    public async Task SaveEvalAsync(string model, string sae, SaeEvalRecord eval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eval);
        await using var db = CreateContext();
        var saeId = await SaeIdAsync(db, model, sae, cancellationToken);
        var row = await db.SaeEvals.SingleOrDefaultAsync(e => e.SaeId == saeId, cancellationToken);
        if (row is null)
        {
            row = new SaeEvalEntity { SaeId = saeId, Corpus = eval.Corpus, HistogramJson = "[]" };
            db.SaeEvals.Add(row);
        }
        var r = eval.Result;
        row.Corpus = eval.Corpus;
        row.Tokens = r.Tokens;
        row.L0 = r.L0;
        row.Mse = r.Mse;
        row.ExplainedVariance = r.ExplainedVariance;
        row.CosineSimilarity = r.CosineSimilarity;
        row.CeLossClean = r.CeLossClean;
        row.CeLossWithSae = r.CeLossWithSae;
        row.CeLossZeroAblation = r.CeLossZeroAblation;
        row.CeLossRecovered = r.CeLossRecovered;
        row.DeadFeatures = r.DeadFeatures;
        row.DenseFeatures = r.DenseFeatures;
        row.HistogramMin = r.HistogramMin;
        row.HistogramMax = r.HistogramMax;
        row.HistogramJson = JsonSerializer.Serialize(r.LogDensityHistogram);
        row.CreatedAt = eval.CreatedAt;
        row.KlDivScore = r.KlDivScore;
        row.KlDivWithSae = r.KlDivWithSae;
        row.KlDivWithAblation = r.KlDivWithAblation;
        row.L1 = r.L1;
        row.L2NormIn = r.L2NormIn;
        row.L2NormOut = r.L2NormOut;
        row.L2Ratio = r.L2Ratio;
        row.RelativeReconstructionBias = r.RelativeReconstructionBias;
        row.FracAlive = r.FracAlive;
        row.FreqOver1Percent = r.FreqOver1Percent;
        row.FreqOver10Percent = r.FreqOver10Percent;
        row.DecoderFractionVarianceExplained = r.DecoderFractionVarianceExplained;
        row.ImportedFrom = eval.ImportedFrom;
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<SaeEvalRecord?> GetEvalAsync(string model, string sae, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await EvalRows(db, model, sae, null).ToListAsync(cancellationToken);
        return rows.Select(ToRecord).SingleOrDefault();
    }

    public async Task<IReadOnlyList<SaeEvalRecord>> ListEvalsAsync(string model, string? hookName, CancellationToken cancellationToken)
    {
        await using var db = CreateContext();
        var rows = await EvalRows(db, model, null, hookName).ToListAsync(cancellationToken);
        return rows.Select(ToRecord).OrderBy(r => r.Sae, StringComparer.Ordinal).ToList();
    }

    private static IQueryable<EvalRow> EvalRows(AtlasDbContext db, string model, string? sae, string? hookName) =>
        from e in db.SaeEvals
        join s in db.Saes on e.SaeId equals s.Id
        join m in db.Models on s.ModelId equals m.Id
        where m.Name == model && (sae == null || s.Name == sae) && (hookName == null || s.HookName == hookName)
        select new EvalRow { Sae = s, Eval = e };

    private static SaeEvalRecord ToRecord(EvalRow row)
    {
        var (s, e) = (row.Sae, row.Eval);
        var result = new SaeEvalResult
        {
            Tokens = e.Tokens, L0 = e.L0, Mse = e.Mse, ExplainedVariance = e.ExplainedVariance, CosineSimilarity = e.CosineSimilarity,
            CeLossClean = e.CeLossClean, CeLossWithSae = e.CeLossWithSae, CeLossZeroAblation = e.CeLossZeroAblation, CeLossRecovered = e.CeLossRecovered,
            DeadFeatures = e.DeadFeatures, DenseFeatures = e.DenseFeatures, DSae = s.DSae,
            LogDensityHistogram = JsonSerializer.Deserialize<int[]>(e.HistogramJson) ?? [], HistogramMin = e.HistogramMin, HistogramMax = e.HistogramMax,
            KlDivScore = e.KlDivScore, KlDivWithSae = e.KlDivWithSae, KlDivWithAblation = e.KlDivWithAblation, L1 = e.L1,
            L2NormIn = e.L2NormIn, L2NormOut = e.L2NormOut, L2Ratio = e.L2Ratio, RelativeReconstructionBias = e.RelativeReconstructionBias,
            FracAlive = e.FracAlive, FreqOver1Percent = e.FreqOver1Percent, FreqOver10Percent = e.FreqOver10Percent,
            DecoderFractionVarianceExplained = e.DecoderFractionVarianceExplained,
        };
        return new SaeEvalRecord(s.Name, s.HookName, e.Corpus, result, e.CreatedAt, e.ImportedFrom);
    }

    private sealed class EvalRow
    {
        public required SaeEntity Sae { get; init; }
        public required SaeEvalEntity Eval { get; init; }
    }
}
