package ingest

import (
	"fmt"
	"slices"

	"github.com/weir-dev/weir/plugins/model"
)

// common is the part of every source's config that weir applies itself
// (contract §8.1): tags and external links for every asset, and the
// filter. The source gets these keys too, as Marmot's plugins do.
type common struct {
	tags   tagTemplates
	links  []model.ExternalLink
	filter *filter // nil: keep everything
}

func parseCommon(path string, cfg map[string]any) (common, error) {
	var c common
	tags, err := stringList(child(path, "tags"), cfg["tags"])
	if err != nil {
		return c, err
	}
	c.tags = newTagTemplates(tags)
	if c.links, err = parseLinks(child(path, "external_links"), cfg["external_links"]); err != nil {
		return c, err
	}
	c.filter, err = parseFilter(child(path, "filter"), cfg["filter"])
	return c, err
}

// parseLinks reads external_links: [{name, url, icon?}].
func parseLinks(path string, v any) ([]model.ExternalLink, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fieldError(path, "must be a list of {name, url}, got %s", kind(v))
	}
	var links []model.ExternalLink
	for i, item := range list {
		ip := fmt.Sprintf("%s[%d]", path, i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, fieldError(ip, "must be an object with name and url, got %s", kind(item))
		}
		var l model.ExternalLink
		for _, f := range []struct {
			key      string
			dst      *string
			required bool
		}{{"name", &l.Name, true}, {"url", &l.URL, true}, {"icon", &l.Icon, false}} {
			s, ok := m[f.key].(string)
			switch {
			case m[f.key] == nil && !f.required:
			case !ok:
				return nil, fieldError(child(ip, f.key), "must be a string, got %s", kind(m[f.key]))
			case s == "" && f.required:
				return nil, fieldError(child(ip, f.key), "required")
			}
			*f.dst = s
		}
		links = append(links, l)
	}
	return links, nil
}

// apply returns a copy of a with the configured tags and links added and
// its MRN filled in when the source left it empty. The source's own
// values are kept and never modified.
func (c *common) apply(a *model.Asset) model.Asset {
	out := *a
	out.Tags = mergeTags(a.Tags, c.tags.expand(a.Metadata))
	if len(c.links) > 0 {
		out.ExternalLinks = slices.Clip(a.ExternalLinks)
		for _, l := range c.links {
			if !hasLink(out.ExternalLinks, l) {
				out.ExternalLinks = append(out.ExternalLinks, l)
			}
		}
	}
	if out.MRN == "" && len(a.Providers) > 0 {
		out.MRN = model.MRN(a.Type, a.Providers[0], a.Name)
	}
	return out
}

func hasLink(links []model.ExternalLink, l model.ExternalLink) bool {
	for _, have := range links {
		if have.Name == l.Name && have.URL == l.URL {
			return true
		}
	}
	return false
}
