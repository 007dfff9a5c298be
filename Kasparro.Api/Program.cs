using Kasparro.Data;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddKasparroDb();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();

/// <summary>The API's entry point, public so functional tests can host it.</summary>
public partial class Program;
