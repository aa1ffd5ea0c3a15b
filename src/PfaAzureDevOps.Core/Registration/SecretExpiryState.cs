namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>Where a client secret stands against <see cref="SecretExpiry"/>'s rule.</summary>
    public enum SecretExpiryState
    {
        /// <summary>No expiry date is recorded, so nobody can be warned.</summary>
        NotRecorded,
        Valid,

        /// <summary>Less than <see cref="SecretExpiry.WarningDays"/> days are left.</summary>
        ExpiringSoon,
        Expired,
    }
}
