namespace PfaAzureDevOps.Core.Storage
{
    /// <summary>Where state lives, as PowerShell users know it from Install-Module.</summary>
    public enum StateScope
    {
        /// <summary>The signed-in user's own state.</summary>
        CurrentUser,

        /// <summary>The machine-wide state of the instance; writing it needs an elevated session or root.</summary>
        AllUsers,
    }
}
