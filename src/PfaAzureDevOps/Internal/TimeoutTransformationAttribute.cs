using System;
using System.Globalization;
using System.Management.Automation;

namespace PfaAzureDevOps.Internal
{
    /// <summary>
    /// Lets a TimeSpan parameter take a plain number as seconds (<c>-Timeout 10</c>), where PowerShell would otherwise
    /// read it as ticks. TimeSpans and text such as <c>00:01:00</c> pass through unchanged.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class TimeoutTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            switch (value)
            {
                case int i:
                    return Seconds(i);
                case long l:
                    return Seconds(l);
                case double d:
                    return Seconds(d);
                case decimal m:
                    return Seconds((double)m);
                case string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds):
                    return Seconds(seconds);
                default:
                    return inputData;
            }
        }

        // Out of TimeSpan's range (or NaN): the extreme value, which the cmdlet then refuses with its own clear error.
        private static TimeSpan Seconds(double seconds) =>
            double.IsNaN(seconds) || seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue
            : seconds <= TimeSpan.MinValue.TotalSeconds ? TimeSpan.MinValue
            : TimeSpan.FromSeconds(seconds);
    }
}
