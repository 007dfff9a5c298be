using Microsoft.EntityFrameworkCore;

namespace Kasparro.Data;

/// <summary>The one place that configures the provider for <see cref="KasparroDb"/>.</summary>
public static class KasparroDbOptions
{
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString).UseSnakeCaseNamingConvention();
}
