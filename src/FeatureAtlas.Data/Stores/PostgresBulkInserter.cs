using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace FeatureAtlas.Data.Stores;

/// <summary>Inserts with binary COPY, which joins the connection's open transaction.</summary>
internal sealed class PostgresBulkInserter : BulkInserter
{
    public static PostgresBulkInserter Instance { get; } = new();

    public override async Task<long> InsertAsync<T>(AtlasDbContext db, IEnumerable<T> rows, CancellationToken cancellationToken)
    {
        RequireTransaction(db);
        var table = BulkTable.Of<T>(db);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var getters = table.Properties.Select(p => p.GetGetter()).ToArray();
        var types = table.Properties.Select(p => TypeOf(Nullable.GetUnderlyingType(p.ClrType) ?? p.ClrType)).ToArray();

        long written = 0;
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {table.Name} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await importer.StartRowAsync(cancellationToken);
            for (var c = 0; c < getters.Length; c++)
            {
                var value = getters[c].GetClrValue(row);
                if (value is null) await importer.WriteNullAsync(cancellationToken);
                else await importer.WriteAsync(value, types[c], cancellationToken);
            }
            written++;
        }
        await importer.CompleteAsync(cancellationToken);
        return written;
    }

    private static NpgsqlDbType TypeOf(Type type) =>
        type == typeof(int) ? NpgsqlDbType.Integer
        : type == typeof(long) ? NpgsqlDbType.Bigint
        : type == typeof(short) ? NpgsqlDbType.Smallint
        : type == typeof(float) ? NpgsqlDbType.Real
        : type == typeof(double) ? NpgsqlDbType.Double
        : type == typeof(byte[]) ? NpgsqlDbType.Bytea
        : type == typeof(string) ? NpgsqlDbType.Text
        : type == typeof(bool) ? NpgsqlDbType.Boolean
        : type == typeof(DateTimeOffset) ? NpgsqlDbType.TimestampTz
        : throw new NotSupportedException($"No COPY type for {type.Name}.");
}
