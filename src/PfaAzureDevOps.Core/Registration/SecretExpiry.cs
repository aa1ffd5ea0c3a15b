using System;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>
    /// The client secret's expiry rule, once for every cmdlet: an administrator is warned when less than
    /// <see cref="WarningDays"/> days are left (Get-PfaAzureDevOpsApp's warning, Test-PfaAzureDevOpsIntegration's Warn).
    /// </summary>
    public static class SecretExpiry
    {
        public const int WarningDays = 14;

        public static SecretExpiryState Evaluate(DateTimeOffset? expiresOn, DateTimeOffset now)
        {
            if (expiresOn is null)
            {
                return SecretExpiryState.NotRecorded;
            }

            double days = (expiresOn.Value - now).TotalDays;
            return days <= 0 ? SecretExpiryState.Expired : days < WarningDays ? SecretExpiryState.ExpiringSoon : SecretExpiryState.Valid;
        }
    }
}
