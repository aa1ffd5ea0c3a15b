using System;
using System.Linq;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Internal
{
    /// <summary>Conversions between the engine's registration and the cmdlets' output type.</summary>
    internal static class AppModel
    {
        public static StateScope ToCore(PfaStateScope scope) => scope == PfaStateScope.AllUsers ? StateScope.AllUsers : StateScope.CurrentUser;

        public static IdentityProvider ToCore(PfaIdentityProvider provider) => provider == PfaIdentityProvider.EntraId ? IdentityProvider.EntraId : IdentityProvider.AzureDevOps;

        public static PfaAzureDevOpsApp ToOutput(AppRegistration registration, RegistrationService service, DateTimeOffset now) => new PfaAzureDevOpsApp
        {
            Provider = (registration.Provider == IdentityProvider.EntraId ? PfaIdentityProvider.EntraId : PfaIdentityProvider.AzureDevOps).ToString(),
            ClientId = registration.ClientId,
            TenantId = registration.TenantId,
            InstanceUrl = new Uri(registration.InstanceUrl),
            CallbackUrl = new Uri(registration.CallbackUrl),
            AuthorizationServer = new Uri(registration.AuthorizationServer),
            OAuthScope = registration.Scopes.ToArray(),
            Scope = (service.Store.Scope == StateScope.AllUsers ? PfaStateScope.AllUsers : PfaStateScope.CurrentUser).ToString(),
            RegisteredOn = registration.RegisteredOn,
            UpdatedOn = registration.UpdatedOn,
            RegisteredBy = registration.RegisteredBy,
            HasClientSecret = registration.ClientSecretName != null,
            SecretExpiresOn = registration.SecretExpiresOn,
            SecretExpiresInDays = registration.SecretExpiresOn.HasValue ? DaysLeft(registration.SecretExpiresOn.Value, now) : null,
            SecretProtection = registration.ClientSecretName != null ? service.Vault.ProtectionDescription + (registration.UserGroup != null ? $"; a copy readable by group '{registration.UserGroup}'" : string.Empty) : null,
            UserGroup = registration.UserGroup,
            Path = service.DocumentPath,
        };

        /// <summary>Whole days left, counting a started day (60 days ahead reads 60, not 59); negative once past.</summary>
        public static int DaysLeft(DateTimeOffset expires, DateTimeOffset now)
        {
            double days = (expires - now).TotalDays;
            return days > 0 ? (int)Math.Ceiling(days) : (int)Math.Floor(days);
        }

        /// <summary>The registration in effect: the current user's own, else the instance's (AllUsers).</summary>
        public static RegistrationService? FindEffective(PfaStateScope? scope, out AppRegistration? registration)
        {
            if (scope.HasValue)
            {
                var service = new RegistrationService(ToCore(scope.Value));
                registration = service.Get();
                return service;
            }

            foreach (StateScope candidate in new[] { StateScope.CurrentUser, StateScope.AllUsers })
            {
                var service = new RegistrationService(candidate);
                registration = service.Get();
                if (registration != null)
                {
                    return service;
                }
            }

            registration = null;
            return null;
        }
    }
}
