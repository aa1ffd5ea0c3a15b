namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>How Connect-PfaAzureDevOps was asked to sign in (its parameter set); the engine picks the provider from it and the registration.</summary>
    public enum SignInMethod
    {
        /// <summary>A browser: Azure DevOps OAuth consent, or Microsoft Entra ID (system browser, or the instance callback for a confidential client).</summary>
        Browser,

        /// <summary>The paste path: the address the browser ended on, for a sign-in started earlier.</summary>
        CallbackUri,

        /// <summary>Microsoft Entra ID device code (public client).</summary>
        DeviceCode,

        /// <summary>A token the caller already holds (with an Entra ID registration, or none at all).</summary>
        AccessToken,

        /// <summary>A Microsoft Entra ID service principal (secret or certificate).</summary>
        ServicePrincipal,

        /// <summary>An Azure managed identity.</summary>
        ManagedIdentity,
    }
}
