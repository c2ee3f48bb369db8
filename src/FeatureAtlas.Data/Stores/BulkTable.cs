using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// An entity's table as the bulk inserters write it, read from the EF model so raw SQL always matches the
/// migrations: quoted table and column names, and a compiled getter and CLR type per column.
/// </summary>
internal sealed class BulkTable
{
    private BulkTable(string name, string[] columns, IProperty[] properties)
    {
        Name = name;
        Columns = columns;
        Properties = properties;
    }

    /// <summary>The quoted table name.</summary>
    public string Name { get; }

    /// <summary>Quoted column names, in <see cref="Properties"/> order.</summary>
    public string[] Columns { get; }

    public IProperty[] Properties { get; }

    public string ColumnList => string.Join(", ", Columns);

    public static BulkTable Of<T>(AtlasDbContext db)
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not part of the FeatureAtlas model.");
        var sql = db.GetService<ISqlGenerationHelper>();
        var properties = entity.GetProperties().ToArray();
        foreach (var p in properties)
        {
            // Rows carry every value themselves: no shadow keys, generated ids or converters to run.
            if (p.IsShadowProperty() || p.ValueGenerated != ValueGenerated.Never || p.GetValueConverter() is not null)
            {
                throw new InvalidOperationException($"{entity.DisplayName()}.{p.Name} cannot be bulk inserted.");
            }
        }
        var table = entity.GetTableName() ?? throw new InvalidOperationException($"{entity.DisplayName()} has no table.");
        return new BulkTable(sql.DelimitIdentifier(table), properties.Select(p => sql.DelimitIdentifier(p.GetColumnName())).ToArray(), properties);
    }
}
