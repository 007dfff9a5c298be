namespace Kasparro.Api.Compare;

/// <summary>
/// The arithmetic of <c>GET /compare/assets</c>, on one price per bucket in time order: rebasing, bucket returns,
/// volatility, maximum drawdown and Pearson correlation over shared timestamps. Percentages are percent (1.5 = 1.5 %).
/// </summary>
public static class ComparisonMath
{
    /// <summary>The value of <paramref name="price"/> against <paramref name="basePrice"/>: 100 at the base (<c>rebased</c>) or the % change from it (<c>pct</c>).</summary>
    public static double Value(decimal price, decimal basePrice, bool rebased)
    {
        var ratio = (double)price / (double)basePrice;
        return rebased ? ratio * 100 : (ratio - 1) * 100;
    }

    /// <summary>The return of each point over the one before it, in percent.</summary>
    public static double[] Returns(IReadOnlyList<decimal> prices)
    {
        var returns = new double[Math.Max(0, prices.Count - 1)];
        for (var i = 1; i < prices.Count; i++)
        {
            returns[i - 1] = ((double)prices[i] / (double)prices[i - 1] - 1) * 100;
        }

        return returns;
    }

    /// <summary>The sample standard deviation (n - 1) of the returns, per bucket (not annualised); null under two returns.</summary>
    public static double? Volatility(IReadOnlyList<double> returns)
    {
        if (returns.Count < 2)
        {
            return null;
        }

        var mean = returns.Average();
        return Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / (returns.Count - 1));
    }

    /// <summary>The largest fall from a running peak, in percent of the peak (0 when the price never fell); null without prices.</summary>
    public static double? MaxDrawdown(IReadOnlyList<decimal> prices)
    {
        if (prices.Count == 0)
        {
            return null;
        }

        var peak = prices[0];
        var worst = 0d;
        foreach (var price in prices)
        {
            peak = Math.Max(peak, price);
            worst = Math.Max(worst, (1 - (double)price / (double)peak) * 100);
        }

        return worst;
    }

    /// <summary>
    /// Pearson correlation of the two series' returns between the timestamps both have a price for (a return spans
    /// consecutive shared timestamps); null under two such returns or when either side does not vary.
    /// </summary>
    public static double? Correlation(IReadOnlyList<(DateTime T, decimal Price)> a, IReadOnlyList<(DateTime T, decimal Price)> b)
    {
        var sharedA = new List<decimal>();
        var sharedB = new List<decimal>();
        int i = 0, j = 0;
        while (i < a.Count && j < b.Count)
        {
            var order = a[i].T.CompareTo(b[j].T);
            if (order == 0)
            {
                sharedA.Add(a[i++].Price);
                sharedB.Add(b[j++].Price);
            }
            else if (order < 0)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return Pearson(Returns(sharedA), Returns(sharedB));
    }

    private static double? Pearson(double[] x, double[] y)
    {
        if (x.Length < 2)
        {
            return null;
        }

        double meanX = x.Average(), meanY = y.Average(), covariance = 0, varianceX = 0, varianceY = 0;
        for (var k = 0; k < x.Length; k++)
        {
            covariance += (x[k] - meanX) * (y[k] - meanY);
            varianceX += (x[k] - meanX) * (x[k] - meanX);
            varianceY += (y[k] - meanY) * (y[k] - meanY);
        }

        if (varianceX == 0 || varianceY == 0)
        {
            return null;
        }

        // Rounding can push a perfect correlation a hair past 1.
        return Math.Clamp(covariance / Math.Sqrt(varianceX * varianceY), -1, 1);
    }
}
