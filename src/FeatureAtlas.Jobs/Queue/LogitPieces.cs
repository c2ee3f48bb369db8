using FeatureAtlas.Core.Dashboards;
using FeatureAtlas.Core.Model;
using FeatureAtlas.Core.Sae;
using FeatureAtlas.Core.Storage;

namespace FeatureAtlas.Jobs.Queue;

/// <summary>
/// The logit tables of a sharded dashboard build, computed as pieces of the job beside its corpus shards. They need only
/// the model and the SAEs, not the corpus, and were the largest part of the serial tail that the merging worker ran
/// after the last shard (d_sae × d_model × V multiply-adds: 24,576 × 768 × 50,257 for gpt2-small-res-jb). Piece i of L
/// covers the i-th of L runs of whole <see cref="FeatureLogits.Block"/>s of every SAE, so its tables equal a single
/// pass's bit for bit. A piece's row in <c>job_shards</c> has no windows (<c>count</c> 0) and its index among the
/// pieces as <c>first</c>; its state is its tables, written once when done (a piece is seconds of work: a piece cut
/// off is run again whole).
/// </summary>
public static class LogitPieces
{
    /// <summary>Features of all SAEs together per piece: about 7 s on one core at d_model 768 and GPT-2's vocabulary.</summary>
    public const int FeaturesPerPiece = 8_192;

    private const int MaxPieces = 64;
    private const int Version = 1;

    /// <summary>Whether a shard row of a dashboards job is a logit piece (no windows) rather than a corpus shard.</summary>
    public static bool Is(JobShardRecord shard) => shard.Count == 0;

    /// <summary>How many pieces the logit tables of SAEs of these widths are split into.</summary>
    public static int Count(IEnumerable<int> widths)
    {
        var features = widths.Sum(w => (long)w);
        return (int)Math.Clamp((features + FeaturesPerPiece - 1) / FeaturesPerPiece, 1, MaxPieces);
    }

    /// <summary>The job rows of <paramref name="pieces"/> logit pieces: no windows, the piece's index as <c>first</c>.</summary>
    public static IEnumerable<(int First, int Count)> Rows(int pieces) => Enumerable.Range(0, pieces).Select(i => (i, 0));

    /// <summary>The features [First, First + Count) of an SAE of <paramref name="width"/> features that piece <paramref name="index"/> of <paramref name="pieces"/> covers.</summary>
    public static (int First, int Count) Range(int width, int index, int pieces)
    {
        var blocks = (width + FeatureLogits.Block - 1) / FeatureLogits.Block;
        var (first, count) = ShardedDashboards.Split(blocks, pieces)[index];
        var start = Math.Min(width, first * FeatureLogits.Block);
        return (start, Math.Min(width, (first + count) * FeatureLogits.Block) - start);
    }

    /// <summary>Computes piece <paramref name="index"/> of <paramref name="pieces"/> for every SAE and writes it.</summary>
    public static void Write(Stream stream, Gpt2Model model, IReadOnlyList<SparseAutoencoder> saes, DashboardOptions options, int index, int pieces)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(Version);
        writer.Write(index);
        writer.Write(pieces);
        writer.Write(saes.Count);
        foreach (var sae in saes)
        {
            var (first, count) = Range(sae.DSae, index, pieces);
            var tables = FeatureLogits.Compute(sae, model, options, first, count);
            writer.Write(first);
            writer.Write(count);
            writer.Write(tables is not null);
            foreach (var table in tables ?? []) table.Write(writer);
        }
    }

    /// <summary>
    /// Gathers the pieces' tables for the merge: every piece is read once with <see cref="Read"/>, then
    /// <see cref="Tables"/> gives each SAE's tables (null for an SAE whose hook has none).
    /// </summary>
    public sealed class Assembly(IReadOnlyList<SparseAutoencoder> saes, int pieces, string job)
    {
        private readonly LogitTable[]?[] _tables = new LogitTable[]?[saes.Count];
        private readonly bool[] _none = new bool[saes.Count];
        private readonly HashSet<int> _read = [];

        public void Read(Stream stream)
        {
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            var version = reader.ReadInt32();
            if (version != Version) throw new InvalidDataException($"{job}: a logit piece of version {version}, expected {Version}.");
            var index = reader.ReadInt32();
            var of = reader.ReadInt32();
            var count = reader.ReadInt32();
            if (of != pieces || index < 0 || index >= pieces || count != saes.Count)
            {
                throw new InvalidDataException($"{job}: logit piece {index} of {of} for {count} SAEs, expected one of {pieces} for {saes.Count}.");
            }
            if (!_read.Add(index)) throw new InvalidDataException($"{job}: logit piece {index} was read twice.");
            var source = $"{job} logit piece {index}";
            for (var s = 0; s < saes.Count; s++)
            {
                var sae = saes[s];
                var (first, features) = (reader.ReadInt32(), reader.ReadInt32());
                var has = reader.ReadBoolean();
                if ((first, features) != Range(sae.DSae, index, pieces))
                {
                    throw new InvalidDataException($"{source}: SAE '{sae.Name}' features {first}+{features}, expected {Range(sae.DSae, index, pieces)}.");
                }
                if (!has)
                {
                    _none[s] = true;
                    continue;
                }
                var tables = _tables[s] ??= new LogitTable[sae.DSae];
                for (var f = first; f < first + features; f++) tables[f] = LogitTable.Read(reader, source);
            }
        }

        /// <summary>Each SAE's tables, once every piece was read.</summary>
        public IReadOnlyList<LogitTable[]?> Tables()
        {
            if (_read.Count != pieces) throw new InvalidDataException($"{job}: {_read.Count} of {pieces} logit pieces were read.");
            for (var s = 0; s < saes.Count; s++)
            {
                if (_none[s] && _tables[s] is not null) throw new InvalidDataException($"{job}: logit pieces disagree on whether SAE '{saes[s].Name}' has logit tables.");
            }
            return _tables;
        }
    }
}
