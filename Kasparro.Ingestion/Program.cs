using Kasparro.Data;
using Kasparro.Ingestion.Schema;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKasparroDb();

builder.Services.AddSingleton<SchemaState>();
builder.Services.AddHealthChecks().AddCheck<SchemaState>("schema");

if (args.Contains("--init-db"))
{
    using var initHost = builder.Build();
    await SchemaMigrator.MigrateAsync(initHost.Services.GetRequiredService<IServiceScopeFactory>(), CancellationToken.None);
    Console.WriteLine("Database schema is up to date.");
    return 0;
}

builder.Services.AddHostedService<SchemaMigrator>();

var app = builder.Build();
app.MapDefaultEndpoints();
await app.RunAsync();
return 0;
