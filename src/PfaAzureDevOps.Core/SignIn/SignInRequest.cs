using System;
using PfaAzureDevOps.Core.Connection;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>What the user asked Connect-PfaAzureDevOps for: the method and its inputs. Secrets are cleared by the caller.</summary>
    public sealed class SignInRequest
    {
        public SignInMethod Method { get; set; } = SignInMethod.Browser;

        /// <summary>Where to look: the organization (name or URL) and the profile service.</summary>
        public ConnectOptions Options { get; set; } = new ConnectOptions();

        /// <summary>CallbackUri: the address the browser ended on.</summary>
        public Uri? ReturnedAddress { get; set; }

        /// <summary>Browser: print the link only, open no browser.</summary>
        public bool NoBrowser { get; set; }

        /// <summary>Browser: how long to wait for the browser to come back.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(300);

        /// <summary>-WhatIf: a preview only, so checks that need a person or a browser are skipped.</summary>
        public bool Preview { get; set; }

        /// <summary>AccessToken: the token.</summary>
        public char[]? AccessToken { get; set; }

        /// <summary>ServicePrincipal: the client ID (null: the registration's) and tenant (null: the registration's).</summary>
        public Guid? ClientId { get; set; }

        public string? TenantId { get; set; }

        public char[]? ClientSecret { get; set; }

        public string? CertificateThumbprint { get; set; }

        /// <summary>ServicePrincipal: the certificate file, already resolved to a file system path.</summary>
        public string? CertificatePath { get; set; }
    }
}
