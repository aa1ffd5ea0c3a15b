using System;
using System.Collections.Generic;

namespace PfaAzureDevOps.Core.Registration
{
    /// <summary>The Microsoft cloud's Entra ID authority hosts (a registration's authorization server on one of them is Microsoft's own cloud).</summary>
    public static class EntraHosts
    {
        /// <summary>The Microsoft cloud authority hosts, for which MSAL's instance discovery stays on.</summary>
        public static readonly IReadOnlyCollection<string> Known = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "login.microsoftonline.com",
            "login.microsoft.com",
            "login.windows.net",
            "sts.windows.net",
            "login.microsoftonline.us",
            "login.usgovcloudapi.net",
            "login.chinacloudapi.cn",
            "login.partner.microsoftonline.cn",
            "login.microsoftonline.de",
        };

        public static bool IsKnown(Uri authority) => ((HashSet<string>)Known).Contains(authority.Host);
    }
}
