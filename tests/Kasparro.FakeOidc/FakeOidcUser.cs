namespace Kasparro.FakeOidc;

/// <summary>Who the fake provider signs in: a user name and the app roles its tokens carry (the <c>roles</c> claim).</summary>
public sealed record FakeOidcUser(string UserName, params string[] Roles)
{
    /// <summary>The stable subject id of the user.</summary>
    public string Subject => $"sub-{UserName}";
}
