using Microsoft.AspNetCore.Http.HttpResults;

namespace Kasparro.Api.Endpoints;

/// <summary>The problem responses endpoints of every feature share (application/problem+json, like every error).</summary>
public static class ApiProblems
{
    /// <summary>A 404 problem with a sentence saying what was not found.</summary>
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
