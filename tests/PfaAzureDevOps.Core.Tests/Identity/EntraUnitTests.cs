using System;
using PfaAzureDevOps.Core.SignIn.Entra;
using PfaAzureDevOps.Core.Registration;
using Xunit;

namespace PfaAzureDevOps.Core.Tests.Identity
{
    public sealed class EntraUnitTests
    {
        [Theory]
        [InlineData("https://login.microsoftonline.com/contoso.onmicrosoft.com", true)]
        [InlineData("https://login.microsoftonline.us/organizations", true)]
        [InlineData("https://127.0.0.1:5001/organizations", false)]
        [InlineData("https://login.example.com/tenant", false)]
        public void Instance_discovery_stays_on_for_Microsoft_cloud_hosts_only(string authority, bool expected)
        {
            Assert.Equal(expected, EntraAuthority.UseInstanceDiscovery(new Uri(authority), null));
            Assert.False(EntraAuthority.UseInstanceDiscovery(new Uri(authority), false));
        }

        [Fact]
        public void Authority_is_the_server_and_the_tenant()
        {
            var registration = new AppRegistration { Provider = IdentityProvider.EntraId, AuthorizationServer = "https://login.microsoftonline.com/", TenantId = "contoso.com" };
            Assert.Equal("https://login.microsoftonline.com/contoso.com", EntraAuthority.For(registration).AbsoluteUri);
            Assert.Equal("InvalidAuthority", Assert.Throws<PfaException>(() => EntraAuthority.For("http://login.example.com", "t")).ErrorId);
        }

        [Fact]
        public void Tenant_discovery_decision_follows_Git_Credential_Manager()
        {
            string tenant = Guid.NewGuid().ToString();
            Assert.Equal(tenant, EntraTenantDiscovery.FromHeaders(new[] { "Bearer authorization_uri=https://login.microsoftonline.com/" + tenant, "Basic realm=\"x\"" }, new[] { Guid.Empty.ToString() }).Tenant);
            TenantDiscoveryResult header = EntraTenantDiscovery.FromHeaders(new[] { "Bearer", "TFS-Federated" }, new[] { Guid.Empty + "," + tenant });
            Assert.Equal(tenant, header.Tenant);
            Assert.Equal(TenantSource.ResourceTenantHeader, header.Source);
            Assert.Equal("organizations", EntraTenantDiscovery.FromHeaders(new[] { "Bearer" }, new[] { Guid.Empty.ToString() }).Tenant);
            TenantDiscoveryResult none = EntraTenantDiscovery.FromHeaders(Array.Empty<string>(), Array.Empty<string>());
            Assert.Equal("common", none.Tenant);
            Assert.Equal(TenantSource.Default, none.Source);
        }
    }
}
