namespace PfaAzureDevOps.Core.Integration
{
    /// <summary>The outcome of one integration check.</summary>
    public enum IntegrationResult
    {
        Pass,
        Warn,
        Fail,
    }
}
