using System;
using System.Globalization;
using System.Net.Http;
using System.Text.RegularExpressions;
using Microsoft.Identity.Client;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn.Entra
{
    /// <summary>
    /// Turns MSAL exceptions and AADSTS answers into <see cref="EntraSignInException"/>s with stable error IDs and
    /// messages that say what the user or the admin must do. Server descriptions are shortened (no trace IDs) and no
    /// secret is ever part of a message.
    /// </summary>
    internal static class EntraErrors
    {
        private static readonly Regex AadstsPattern = new Regex(@"AADSTS(\d{4,7})", RegexOptions.CultureInvariant);

        public static EntraSignInException Map(Exception exception, EntraContext context)
        {
            if (exception is EntraSignInException already)
            {
                return already;
            }

            if (exception is HttpRequestException http)
            {
                return New(ErrorIds.EntraConnectionFailed, PfaErrorKind.ConnectionError,
                    $"Microsoft Entra ID at {context.Authority} could not be reached: {Innermost(http).Message} Check the network, proxy and the authority URL of the registration (Set-PfaAzureDevOpsApp -AuthorizationServer).",
                    context, exception);
            }

            if (!(exception is MsalException msal))
            {
                return New(ErrorIds.EntraSignInFailed, PfaErrorKind.Authentication, $"The Microsoft Entra ID sign-in failed: {exception.GetType().Name}: {exception.Message}", context, exception);
            }

            if (msal.InnerException is HttpRequestException innerHttp && !(msal is MsalServiceException))
            {
                return Map(innerHttp, context);
            }

            var service = msal as MsalServiceException;
            string text = (msal.Message ?? string.Empty) + " " + (service?.ResponseBody ?? string.Empty);
            int? aadsts = null;
            Match match = AadstsPattern.Match(text);
            if (match.Success)
            {
                aadsts = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            string code = msal.ErrorCode ?? string.Empty;
            string? claims = service?.Claims;
            if (string.IsNullOrEmpty(claims))
            {
                claims = null;
            }

            EntraSignInException result = Classify(msal, service, code, aadsts, claims != null, context);
            result.AadstsCode = aadsts;
            result.MsalErrorCode = code;
            result.Claims = claims;
            ReadSupportIds(text, result);
            if (!string.IsNullOrEmpty(service?.CorrelationId))
            {
                result.CorrelationId = service!.CorrelationId;
            }

            result.SupportDetails = result.SupportText();
            result.InteractionRequired = msal is MsalUiRequiredException || claims != null ||
                result.ErrorId == ErrorIds.EntraMfaRequired || result.ErrorId == ErrorIds.EntraSignInFrequency || result.ErrorId == ErrorIds.EntraConsentRequired;
            return result;
        }

        private static EntraSignInException Classify(MsalException msal, MsalServiceException? service, string code, int? aadsts, bool hasClaims, EntraContext context)
        {
            string app = context.ClientId;
            string tenant = context.Tenant;
            string reconnect = context.ReconnectHint;
            switch (aadsts)
            {
                case 50076:
                    return New(ErrorIds.EntraMfaRequired, PfaErrorKind.Authentication,
                        $"Your organization requires multi-factor authentication to use Azure DevOps (AADSTS50076), and the saved sign-in has not done it. {reconnect} and complete the MFA prompt in the browser.",
                        context, msal);
                case 50079:
                    return New(ErrorIds.EntraMfaRegistrationRequired, PfaErrorKind.Authentication,
                        $"Your organization requires you to register for multi-factor authentication (AADSTS50079). {reconnect} in a browser and follow the MFA registration steps.",
                        context, msal);
                case 70043:
                case 700082:
                case 70008:
                    return New(ErrorIds.EntraSignInFrequency, PfaErrorKind.Authentication,
                        $"The saved sign-in has expired (AADSTS{aadsts}: {(aadsts == 70043 ? "your organization's conditional access asks to sign in again periodically" : "the refresh token is too old or was not used for too long")}). {reconnect}.",
                        context, msal);
                case 65001:
                    return New(ErrorIds.EntraConsentRequired, PfaErrorKind.PermissionDenied,
                        $"Nobody has consented to application {app} using Azure DevOps on your behalf (AADSTS65001). Sign in interactively once and accept the consent prompt ({reconnect}), or ask a tenant administrator to grant admin consent for the application (Entra admin center > App registrations > {app} > API permissions > Grant admin consent).",
                        context, msal);
                case 700016 when context.Flow == EntraFlow.ServicePrincipal:
                    return New(ErrorIds.EntraApplicationNotFound, PfaErrorKind.NotFound,
                        $"Service principal {app} does not exist in tenant '{tenant}' (AADSTS700016). Check the -ClientId (the app's Application (client) ID) and -TenantId, then run Connect-PfaAzureDevOps -ServicePrincipal -ClientId <id> -TenantId <tenant> again.",
                        context, msal);
                case 7000215 when context.Flow == EntraFlow.ServicePrincipal:
                    return New(ErrorIds.EntraInvalidClientSecret, PfaErrorKind.Authentication,
                        $"Microsoft Entra ID refused the client secret of service principal {app} (AADSTS7000215). Give the secret's Value (not its Secret ID): Connect-PfaAzureDevOps -ServicePrincipal -ClientId {app} -TenantId {tenant} -ClientSecret <secret>. If the secret was rotated, connect again with the new one.",
                        context, msal);
                case 7000222 when context.Flow == EntraFlow.ServicePrincipal:
                    return New(ErrorIds.EntraClientSecretExpired, PfaErrorKind.Authentication,
                        $"The client secret of service principal {app} has expired (AADSTS7000222). Create a new secret for the app (Entra admin center > App registrations > Certificates & secrets), then run Connect-PfaAzureDevOps -ServicePrincipal -ClientId {app} -TenantId {tenant} -ClientSecret <new secret>.",
                        context, msal);
                case 700016:
                    return New(ErrorIds.EntraApplicationNotFound, PfaErrorKind.NotFound,
                        $"Application {app} does not exist in tenant '{tenant}' (AADSTS700016). The administrator should check the client ID and tenant of the registration (Get-PfaAzureDevOpsApp; fix with Register-PfaAzureDevOpsApp -Force), or have an administrator of that tenant add the application (consent to it) there.",
                        context, msal);
                case 7000215:
                    return New(ErrorIds.EntraInvalidClientSecret, PfaErrorKind.Authentication,
                        $"Microsoft Entra ID refused the client secret of application {app} (AADSTS7000215). The administrator should store the secret's Value (not its Secret ID) with Set-PfaAzureDevOpsApp -ClientSecret; if the secret was rotated, store the new one.",
                        context, msal);
                case 7000222:
                    return New(ErrorIds.EntraClientSecretExpired, PfaErrorKind.Authentication,
                        $"The client secret of application {app} has expired (AADSTS7000222). The administrator should create a new secret for the app (Entra admin center > App registrations > Certificates & secrets) and store it with Set-PfaAzureDevOpsApp -ClientSecret.",
                        context, msal);
                case 53003:
                    return New(ErrorIds.EntraBlockedByConditionalAccess, PfaErrorKind.PermissionDenied,
                        "Your organization's conditional access policies block this sign-in (AADSTS53003), for example from this device or location. Ask your administrator which policy applies (the sign-in logs name it).",
                        context, msal);
                case 90002 when context.Flow == EntraFlow.ServicePrincipal:
                case 90033 when context.Flow == EntraFlow.ServicePrincipal:
                    return New(ErrorIds.EntraTenantNotFound, PfaErrorKind.NotFound,
                        $"Microsoft Entra ID does not know the tenant '{tenant}' (AADSTS{aadsts}). Run Connect-PfaAzureDevOps -ServicePrincipal again with -TenantId set to the directory ID or a verified domain of the service principal's tenant.",
                        context, msal);
                case 90002:
                case 90033:
                    return New(ErrorIds.EntraTenantNotFound, PfaErrorKind.NotFound,
                        $"Microsoft Entra ID does not know the tenant '{tenant}' (AADSTS{aadsts}). The administrator should check the tenant of the registration (its directory ID or verified domain).",
                        context, msal);
                case 70011:
                case 1002012:
                    return New(ErrorIds.EntraInvalidScope, PfaErrorKind.InvalidArgument,
                        $"Microsoft Entra ID refused the requested scopes ({string.Join(" ", context.Scopes)}; AADSTS{aadsts}). Scopes must name the Azure DevOps resource, such as 499b84ac-1321-427f-aa17-267ca6975798/vso.code_write or .../.default; fix them with Set-PfaAzureDevOpsApp -Scopes.",
                        context, msal);
            }

            if (msal is MsalThrottledServiceException || msal is MsalThrottledUiRequiredException || code == "too_many_requests" || service?.StatusCode == 429)
            {
                return New(ErrorIds.EntraThrottled, PfaErrorKind.LimitsExceeded,
                    "Microsoft Entra ID is throttling requests from this application or machine (too many requests). Wait a minute and try again; a script should not retry in a tight loop.",
                    context, msal);
            }

            if (code == "service_not_available" || code == "temporarily_unavailable" || (service != null && service.StatusCode >= 500))
            {
                return New(ErrorIds.EntraServiceUnavailable, PfaErrorKind.ResourceUnavailable,
                    $"Microsoft Entra ID at {context.Authority} is unavailable right now (HTTP {(service?.StatusCode ?? 0).ToString(CultureInfo.InvariantCulture)}). Try again in a few minutes.",
                    context, msal);
            }

            switch (code)
            {
                case "linux_xdg_open_failed":
                case "browser_not_available":
                    return New(ErrorIds.EntraBrowserUnavailable, PfaErrorKind.ResourceUnavailable,
                        "No web browser could be opened for the sign-in. Use -UseDeviceCode (sign in from another device's browser), or set $env:BROWSER to a browser command.",
                        context, msal);
                case "authorization_declined":
                case "access_denied":
                case "authentication_canceled":
                    return New(ErrorIds.EntraSignInDeclined, PfaErrorKind.PermissionDenied,
                        $"The sign-in was declined or cancelled{(code == "access_denied" ? " in the browser" : string.Empty)}. {reconnect} and accept the sign-in to connect.",
                        context, msal);
                case "expired_token":
                case "code_expired":
                    return New(ErrorIds.EntraDeviceCodeExpired, PfaErrorKind.OperationTimeout,
                        "The device code expired before the sign-in was completed. Run Connect-PfaAzureDevOps -UseDeviceCode again and enter the new code promptly.",
                        context, msal);
                case "invalid_client" when context.Flow == EntraFlow.ServicePrincipal:
                    return New(ErrorIds.EntraInvalidClient, PfaErrorKind.Authentication,
                        $"Microsoft Entra ID refused the credentials of service principal {app}: {ServerText(msal)} Check the -ClientSecret, -CertificatePath or -CertificateThumbprint and run Connect-PfaAzureDevOps -ServicePrincipal again.",
                        context, msal);
                case "invalid_client":
                    return New(ErrorIds.EntraInvalidClient, PfaErrorKind.Authentication,
                        $"Microsoft Entra ID refused the credentials of application {app}: {ServerText(msal)} The administrator should check the client secret or certificate of the application.",
                        context, msal);
                case "unauthorized_client":
                    return New(ErrorIds.EntraInvalidClient, PfaErrorKind.Authentication,
                        $"Application {app} may not use this sign-in method: {ServerText(msal)} The administrator should check the app's platform settings (public client flows for device code, redirect URIs).",
                        context, msal);
                case "invalid_scope":
                    return New(ErrorIds.EntraInvalidScope, PfaErrorKind.InvalidArgument,
                        $"Microsoft Entra ID refused the requested scopes ({string.Join(" ", context.Scopes)}): {ServerText(msal)}",
                        context, msal);
            }

            if (msal is MsalUiRequiredException || code == "invalid_grant" || code == "interaction_required")
            {
                if (hasClaims)
                {
                    return New(ErrorIds.EntraClaimsChallenge, PfaErrorKind.Authentication,
                        $"Your organization's conditional access asks for more than the saved sign-in provides (a claims challenge). {reconnect} and complete what the sign-in page asks.",
                        context, msal);
                }

                if (msal is MsalUiRequiredException ui && ui.Classification == UiRequiredExceptionClassification.ConsentRequired)
                {
                    return New(ErrorIds.EntraConsentRequired, PfaErrorKind.PermissionDenied,
                        $"Consent is required for application {app} to use Azure DevOps on your behalf. {reconnect} and accept the consent prompt, or ask a tenant administrator to grant admin consent.",
                        context, msal);
                }

                return New(ErrorIds.EntraInteractionRequired, PfaErrorKind.Authentication,
                    $"The saved sign-in is no longer valid ({(code.Length > 0 ? code : "interaction required")}: {ServerText(msal)}). {reconnect}.",
                    context, msal);
            }

            if (context.Flow == EntraFlow.ManagedIdentity || code.StartsWith("managed_identity", StringComparison.Ordinal))
            {
                return New(ErrorIds.EntraManagedIdentityUnavailable, PfaErrorKind.ResourceUnavailable,
                    $"No managed identity answered on this machine ({code}: {ServerText(msal)}). -Identity works only on an Azure resource with a managed identity assigned (App Service, Functions, a VM, Arc); elsewhere use a service principal.",
                    context, msal);
            }

            if (service != null)
            {
                return New(ErrorIds.EntraSignInFailed, PfaErrorKind.Authentication,
                    $"Microsoft Entra ID refused the sign-in ({code}{(aadsts.HasValue ? ", AADSTS" + aadsts.Value.ToString(CultureInfo.InvariantCulture) : string.Empty)}): {ServerText(msal)}",
                    context, msal);
            }

            return New(ErrorIds.EntraClientError, PfaErrorKind.InvalidOperation, $"MSAL could not complete the sign-in ({code}): {ServerText(msal)}", context, msal);
        }

        /// <summary>
        /// The server's description on one line, without the trace, correlation and timestamp tail (Entra separates
        /// them with CR LF; some proxies and older answers with spaces). The ids go to <see cref="ReadSupportIds"/>.
        /// </summary>
        internal static string ServerText(Exception ex)
        {
            string message = ex.Message ?? string.Empty;
            int cut = SupportTailStart(message);
            if (cut >= 0)
            {
                message = message.Substring(0, cut);
            }

            message = Regex.Replace(message, @"\s+", " ").Trim();
            return message.Length == 0 || message.EndsWith(".", StringComparison.Ordinal) ? message : message + ".";
        }

        /// <summary>Where the "Trace ID: ... Correlation ID: ... Timestamp: ..." tail starts, or -1.</summary>
        private static int SupportTailStart(string text)
        {
            int cut = -1;
            foreach (string label in new[] { "Trace ID:", "Correlation ID:", "Timestamp:" })
            {
                int at = text.IndexOf(label, StringComparison.Ordinal);
                if (at >= 0 && (cut < 0 || at < cut))
                {
                    cut = at;
                }
            }

            return cut;
        }

        /// <summary>Reads Entra's trace and correlation ids and timestamp out of an error text (for support, not the message).</summary>
        internal static void ReadSupportIds(string? text, EntraSignInException target)
        {
            if (string.IsNullOrEmpty(text))
            {
                return;
            }

            Match trace = TracePattern.Match(text);
            if (trace.Success && target.TraceId == null)
            {
                target.TraceId = trace.Groups[1].Value;
            }

            Match correlation = CorrelationPattern.Match(text);
            if (correlation.Success && target.CorrelationId == null)
            {
                target.CorrelationId = correlation.Groups[1].Value;
            }

            Match timestamp = TimestampPattern.Match(text);
            if (timestamp.Success && target.ServerTimestamp == null)
            {
                target.ServerTimestamp = timestamp.Groups[1].Value.Trim();
            }
        }

        private static readonly Regex TracePattern = new Regex(@"Trace ID:\s*([0-9A-Fa-f-]{36})", RegexOptions.CultureInvariant);
        private static readonly Regex CorrelationPattern = new Regex(@"Correlation ID:\s*([0-9A-Fa-f-]{36})", RegexOptions.CultureInvariant);
        private static readonly Regex TimestampPattern = new Regex(@"Timestamp:\s*([0-9][0-9:\-TZ. ]{9,30}Z?)", RegexOptions.CultureInvariant);

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null)
            {
                ex = ex.InnerException;
            }

            return ex;
        }

        internal static EntraSignInException New(string id, PfaErrorKind kind, string message, EntraContext context, Exception? inner) =>
            new EntraSignInException(id, kind, message, context.Target, inner);
    }

    /// <summary>What an error message may name: never a secret.</summary>
    internal sealed class EntraContext
    {
        public EntraContext(string clientId, string tenant, string authority, string[] scopes, EntraFlow flow)
        {
            ClientId = clientId;
            Tenant = tenant;
            Authority = authority;
            Scopes = scopes;
            Flow = flow;
        }

        public string ClientId { get; }

        public string Tenant { get; }

        public string Authority { get; }

        public string[] Scopes { get; }

        public EntraFlow Flow { get; }

        public object Target => Authority;

        public string ReconnectHint => Flow switch
        {
            EntraFlow.ServicePrincipal => "Check the service principal's credential and try again",
            EntraFlow.ManagedIdentity => "Check the machine's managed identity and try again",
            EntraFlow.DeviceCode => "Run Connect-PfaAzureDevOps -UseDeviceCode again",
            _ => "Run Connect-PfaAzureDevOps again",
        };
    }
}
