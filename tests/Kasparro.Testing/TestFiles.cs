
namespace Kasparro.Testing;

/// <summary>Throw-away folders of input files for the CSV tests.</summary>
public static class TestFiles
{
    public static string CreateFolder(params (string Name, string Content)[] files)
    {
        var folder = TestTemp.NewFolder("csv");
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(folder, name), content);
        }

        return folder;
    }

    public static string CreateFolder(string name, byte[] content)
    {
        var folder = TestTemp.NewFolder("csv");
        File.WriteAllBytes(Path.Combine(folder, name), content);
        return folder;
    }
}
