// The HAProxy configuration renderer (issue 17): deploy/haproxy.cfg and the Kubernetes config
// map are its output, checked in.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleConfig, kubernetesConfig, renderHaproxyConfig } from '../../../../scripts/cluster/haproxy-config.ts';

describe('HAProxy configuration', () => {
  it('routes ?node= to its server, balances leastconn, checks /health, caps per node', () => {
    const cfg = renderHaproxyConfig({
      nodes: [
        { id: 'a', host: '10.0.0.1', port: 7860 },
        { id: 'b', host: '10.0.0.2', port: 7860 },
      ],
      bind: { host: '0.0.0.0', port: 443 },
      stats: { host: '127.0.0.1', port: 8404 },
      maxSessionsPerNode: 5,
      tlsPem: '/etc/haproxy/c.pem',
    });
    expect(cfg).toContain('bind 0.0.0.0:443 ssl crt /etc/haproxy/c.pem alpn http/1.1');
    expect(cfg).toContain('use-server a if { urlp(node) -m str a }');
    expect(cfg).toContain('server b 10.0.0.2:7860');
    expect(cfg).toMatch(/balance leastconn/);
    expect(cfg).toMatch(/option httpchk GET \/health/);
    expect(cfg).toMatch(/timeout tunnel 1h/);
    expect(cfg).toMatch(/option forwardfor/);
    expect(cfg).toMatch(/maxconn 10\b/);
  });

  it('deploy/k8s/haproxy.yaml embeds the renderer\'s Kubernetes config (pods re-resolved by DNS)', () => {
    const yaml = fs.readFileSync(new URL('../../../../deploy/k8s/haproxy.yaml', import.meta.url), 'utf8');
    const block = yaml.split('  haproxy.cfg: |\n')[1]!.split('\n---\n')[0]!;
    const embedded = block.split('\n').map((l) => l.replace(/^ {4}/, '')).join('\n');
    expect(embedded.trimEnd()).toBe(kubernetesConfig().trimEnd());
    expect(embedded).toContain('use-server captions-1 if { urlp(node) -m str captions-1 }');
    expect(embedded).toContain('resolvers dns init-addr last,libc,none');
  });

  it('deploy/haproxy.cfg is the renderer\'s 3-node example', () => {
    expect(fs.readFileSync(new URL('../../../../deploy/haproxy.cfg', import.meta.url), 'utf8')).toBe(exampleConfig());
  });
});
