namespace PfaAzureDevOps
{
    /// <summary>Which identity platform the instance's OAuth application lives on.</summary>
    public enum PfaIdentityProvider
    {
        /// <summary>An Azure DevOps OAuth application (being retired by Microsoft).</summary>
        AzureDevOps,

        /// <summary>A Microsoft Entra ID application (MSAL).</summary>
        EntraId,
    }

    /// <summary>Where state lives: the current user's, or the machine-wide instance state.</summary>
    public enum PfaStateScope
    {
        CurrentUser,
        AllUsers,
    }
}
