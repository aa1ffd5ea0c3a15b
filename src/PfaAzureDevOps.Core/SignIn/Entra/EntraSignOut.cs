using System;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Registration;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>What Disconnect-PfaAzureDevOps does for an Entra ID connection besides forgetting it: signs out of MSAL's cache.</summary>
    public static class EntraSignOut
    {
        /// <summary>Clears MSAL's cache of the connection's account (user flows); returns how many accounts were removed.</summary>
        public static async Task<int> SignOutAsync(ConnectionDocument document, Action<string>? log)
        {
            EntraFlow flow = EntraSignIn.ParseFlow(document.Flow);
            if (flow != EntraFlow.Interactive && flow != EntraFlow.DeviceCode && flow != EntraFlow.AuthorizationCode && flow != EntraFlow.Silent)
            {
                return 0;
            }

            RegistrationService registrations = RegistrationLookup.For(document, out AppRegistration registration);
            return await EntraSignIn.TokenProvider(registrations, registration, log).SignOutAsync(document.EntraAccount).ConfigureAwait(false);
        }
    }
}
