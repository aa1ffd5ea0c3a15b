using PfaAzureDevOps.Core.Connection;
using PfaAzureDevOps.Core.Errors;
using PfaAzureDevOps.Core.Registration;
using PfaAzureDevOps.Core.Storage;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>Which registered application a sign-in or a renewal uses.</summary>
    public static class RegistrationLookup
    {
        /// <summary>The registration in effect: the current user's own, else the instance's (AllUsers).</summary>
        public static RegistrationService InEffect(out AppRegistration registration)
        {
            foreach (StateScope scope in new[] { StateScope.CurrentUser, StateScope.AllUsers })
            {
                var service = new RegistrationService(scope);
                AppRegistration? found = service.Get();
                if (found != null)
                {
                    registration = found;
                    return service;
                }
            }

            throw NotFound();
        }

        public static PfaException NotFound() => new PfaException(
            ErrorIds.RegistrationNotFound,
            PfaErrorKind.NotFound,
            "No Azure DevOps application is registered, so there is nothing to connect with. An administrator registers one with Register-PfaAzureDevOpsApp first.",
            "AllUsers");

        /// <summary>The application that issued a connection's tokens (its scope first); <paramref name="allowOtherClient"/>: any of the same provider.</summary>
        public static RegistrationService For(ConnectionDocument document, out AppRegistration registration, bool allowOtherClient = false)
        {
            StateScope other = document.RegistrationScope == StateScope.AllUsers ? StateScope.CurrentUser : StateScope.AllUsers;
            foreach (StateScope scope in new[] { document.RegistrationScope, other })
            {
                var service = new RegistrationService(scope);
                AppRegistration? found = service.Get();
                if (found != null && (found.ClientId == document.ClientId || (allowOtherClient && found.Provider == document.Provider)))
                {
                    registration = found;
                    return service;
                }
            }

            throw new PfaException(
                ErrorIds.ConnectionRegistrationChanged,
                PfaErrorKind.InvalidOperation,
                $"The application that issued this connection's tokens (client ID {document.ClientId}) is no longer registered, so the token cannot be refreshed. Run Connect-PfaAzureDevOps to connect through the application registered now.",
                document.ClientId);
        }
    }
}
