using FeatureAtlas.Jobs.Queue;
using Npgsql;

namespace FeatureAtlas.Jobs.Tests.Queue;

public sealed class AtlasJobStorageTests
{
    [Theory]
    [InlineData("Host=db;Database=atlas;Maximum Pool Size=8", "atlas-jobs")]
    [InlineData("Host=db;Database=atlas;Maximum Pool Size=8;Application Name=lab", "lab atlas-jobs")]
    [InlineData("Host=db;Database=atlas;Maximum Pool Size=8;No Reset On Close=true", "atlas-jobs")]
    public void OwnPool_NamesHangfiresConnectionsSoTheyPoolApartFromPageReadsAndResetsTheirSessions(string connectionString, string applicationName)
    {
        var own = new NpgsqlConnectionStringBuilder(AtlasJobStorage.OwnPool(connectionString));

        Assert.Equal(("db", "atlas", 8, applicationName), (own.Host, own.Database, own.MaxPoolSize, own.ApplicationName));
        Assert.False(own.NoResetOnClose);
        Assert.NotEqual(connectionString, own.ConnectionString);
    }
}
