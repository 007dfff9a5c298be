using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Kasparro.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running database.</summary>
public sealed class KasparroDbDesignTimeFactory : IDesignTimeDbContextFactory<KasparroDb>
{
    public KasparroDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<KasparroDb>();
        KasparroDbOptions.Configure(options, "Host=localhost;Database=kasparro");
        return new KasparroDb(options.Options);
    }
}
